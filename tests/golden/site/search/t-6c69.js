CatalogSearch.add("t","li",{"link":"1L"});
