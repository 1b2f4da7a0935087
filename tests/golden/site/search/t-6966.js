CatalogSearch.add("t","if",{"if":[1.072,"3_"]});
