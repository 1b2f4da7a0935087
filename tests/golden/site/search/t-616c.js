CatalogSearch.add("t","al",{"alert":[1.757,"1_"],"alethea":[3.652,"0_"],"algorithmic":[8.897,"0_"],"algorithmic dataset":[4.725,"0_"]});
