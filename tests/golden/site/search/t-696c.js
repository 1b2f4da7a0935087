CatalogSearch.add("t","il",{"ilya":"2a"});
