CatalogSearch.add("t","bu",{"burda":"0c"});
