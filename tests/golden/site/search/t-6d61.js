CatalogSearch.add("t","ma",{"matter":[1.072,"3_"]});
