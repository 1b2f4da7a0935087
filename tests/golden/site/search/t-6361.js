CatalogSearch.add("t","ca",{"can":[0.715,"0z3_"],"can improve":[1.54,"0_"],"can pruned":[1.54,"3_"],"carbin":[4.17,"3_"]});
