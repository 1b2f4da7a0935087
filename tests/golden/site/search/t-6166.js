CatalogSearch.add("t","af",{"after":[0.715,"0z3_"]});
