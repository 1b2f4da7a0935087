CatalogSearch.add("t","if",{"if":[1.069,"3_"],"if you":[1.54,"3_"]});
