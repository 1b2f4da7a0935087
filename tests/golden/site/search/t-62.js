CatalogSearch.add("t","b",{"b":"1q"});
