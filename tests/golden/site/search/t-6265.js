CatalogSearch.add("t","be",{"before":[1.069,"3_"],"bengio":[3.652,"5_"],"benjamin":[3.652,"5_"],"beyond":[4.656,"0_"],"beyond overfitting":[2.607,"0_"]});
