CatalogSearch.add("t","na",{"naftali":"4h","nakkiran":"2a"});
