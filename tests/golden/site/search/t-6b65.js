CatalogSearch.add("t","ke",{"keep":[1.069,"3_"]});
