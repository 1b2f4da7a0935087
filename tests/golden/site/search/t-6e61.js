CatalogSearch.add("t","na",{"naftali":[4.073,"4_"],"nakkiran":[3.507,"2_"]});
