CatalogSearch.add("t","ic",{"iclr":[0.651,"0w2_1_2_"]});
