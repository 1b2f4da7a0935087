CatalogSearch.add("t","af",{"after":[0.715,"0z3_"],"after they":[1.54,"0_"],"after training":[1.54,"3_"]});
