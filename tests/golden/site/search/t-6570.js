CatalogSearch.add("t","ep",{"epoch":"2T","epoch wise":"2T"});
