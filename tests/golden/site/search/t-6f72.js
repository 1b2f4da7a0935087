CatalogSearch.add("t","or",{"oriol":[3.652,"5_"]});
