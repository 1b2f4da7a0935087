CatalogSearch.add("t","if",{"if":[1.069,"3_"]});
