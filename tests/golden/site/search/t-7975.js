CatalogSearch.add("t","yu",{"yuri":[3.652,"0_"]});
