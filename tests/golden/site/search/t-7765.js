CatalogSearch.add("t","we",{"weight":"3J"});
