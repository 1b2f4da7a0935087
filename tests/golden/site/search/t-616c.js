CatalogSearch.add("t","al",{"alert":[1.757,"1_"],"alert 1":[1.54,"1_"],"alert x":[1.54,"1_"],"alethea":[3.652,"0_"],"algorithmic":[8.897,"0_"],"algorithmic dataset":[2.893,"0_"]});
