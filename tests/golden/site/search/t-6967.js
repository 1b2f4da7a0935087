CatalogSearch.add("t","ig",{"igor":[3.652,"0_"]});
