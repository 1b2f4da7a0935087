CatalogSearch.add("t","ep",{"epoch":[2.281,"2_"],"epoch wise":[2.118,"2_"]});
