CatalogSearch.add("t","be",{"before":[1.072,"3_"],"bengio":[3.652,"5_"],"benjamin":[3.652,"5_"],"beyond":[4.653,"0_"],"beyond overfitting":[2.607,"0_"]});
