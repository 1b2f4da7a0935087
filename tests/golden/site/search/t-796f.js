CatalogSearch.add("t","yo",{"you":[1.069,"3_"],"you keep":[1.54,"3_"]});
