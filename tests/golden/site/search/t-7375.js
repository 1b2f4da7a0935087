CatalogSearch.add("t","su",{"subset":[1.069,"3_"],"subset edge":[1.54,"3_"],"sutskever":[3.507,"2_"]});
