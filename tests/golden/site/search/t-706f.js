CatalogSearch.add("t","po",{"power":[3.652,"0_"]});
