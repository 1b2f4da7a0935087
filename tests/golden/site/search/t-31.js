CatalogSearch.add("t","1",{"1":"1L"});
