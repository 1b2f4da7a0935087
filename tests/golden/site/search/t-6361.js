CatalogSearch.add("t","ca",{"can":[0.716,"0z3_"],"carbin":[4.17,"3_"]});
