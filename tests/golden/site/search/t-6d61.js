CatalogSearch.add("t","ma",{"matter":[1.069,"3_"]});
