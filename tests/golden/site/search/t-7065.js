CatalogSearch.add("t","pe",{"perfect":[1.038,"0_"]});
