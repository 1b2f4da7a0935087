CatalogSearch.add("t","yo",{"you":[1.072,"3_"]});
