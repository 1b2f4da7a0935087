CatalogSearch.add("t","x ",{"x onerror":"1O","x script":"1O"});
