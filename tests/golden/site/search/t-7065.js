CatalogSearch.add("t","pe",{"perfect":[1.035,"0_"],"perfect generalization":[1.54,"0_"]});
