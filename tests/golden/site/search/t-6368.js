CatalogSearch.add("t","ch",{"chance":[1.038,"0_"],"chen":[4.17,"1_"],"chiyuan":[3.652,"5_"],"chizat":[4.17,"1_"]});
