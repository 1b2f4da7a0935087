CatalogSearch.add("t","su",{"subset":[1.072,"3_"],"sutskever":[3.507,"2_"]});
