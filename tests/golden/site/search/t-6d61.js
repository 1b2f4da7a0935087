CatalogSearch.add("t","ma",{"matter":[1.069,"3_"],"matter rest":[1.54,"3_"]});
