CatalogSearch.add("t","al",{"alert":[1.76,"1_"],"alethea":[3.652,"0_"],"algorithmic":[8.896,"0_"],"algorithmic dataset":[4.725,"0_"]});
