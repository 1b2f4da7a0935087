CatalogSearch.add("t","af",{"after":[0.716,"0z3_"]});
