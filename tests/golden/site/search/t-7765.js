CatalogSearch.add("t","we",{"weight":[1.069,"3_"]});
