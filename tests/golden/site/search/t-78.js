CatalogSearch.add("t","x",{"x":"1Q"});
