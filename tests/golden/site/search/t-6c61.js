CatalogSearch.add("t","la",{"label":[3.206,"5_"]});
