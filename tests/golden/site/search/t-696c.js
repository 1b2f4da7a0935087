CatalogSearch.add("t","il",{"ilya":[3.507,"2_"]});
