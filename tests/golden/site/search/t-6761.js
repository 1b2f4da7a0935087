CatalogSearch.add("t","ga",{"gal":[3.507,"2_"]});
