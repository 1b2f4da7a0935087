CatalogSearch.add("t","pe",{"perfect":[1.035,"0_"]});
