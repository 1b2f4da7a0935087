CatalogSearch.add("t","ke",{"keep":[1.069,"3_"],"keep same":[1.54,"3_"]});
