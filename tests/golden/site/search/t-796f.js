CatalogSearch.add("t","yo",{"you":[1.069,"3_"]});
