CatalogSearch.add("t","ke",{"keep":[1.072,"3_"]});
