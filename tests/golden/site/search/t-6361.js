CatalogSearch.add("t","ca",{"can":[0.715,"0z3_"],"carbin":[4.17,"3_"]});
