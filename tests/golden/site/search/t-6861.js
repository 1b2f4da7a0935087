CatalogSearch.add("t","ha",{"hardt":[3.652,"5_"],"harri":[3.652,"0_"],"have":[1.038,"0_"]});
