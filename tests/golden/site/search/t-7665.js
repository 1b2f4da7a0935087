CatalogSearch.add("t","ve",{"vedant":[3.652,"0_"]});
