CatalogSearch.add("t","ya",{"yamini":[3.507,"2_"],"yang":[3.507,"2_"]});
