CatalogSearch.add("t","or",{"oriol":"5c"});
