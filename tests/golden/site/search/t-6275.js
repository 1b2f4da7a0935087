CatalogSearch.add("t","bu",{"burda":[3.652,"0_"]});
