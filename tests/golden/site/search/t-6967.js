CatalogSearch.add("t","ig",{"igor":"0c"});
