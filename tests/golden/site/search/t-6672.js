CatalogSearch.add("t","fr",{"frankle":"3j"});
