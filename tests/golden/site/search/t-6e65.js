CatalogSearch.add("t","ne",{"network":[2.532,"071x2_1W"],"network b":[2.607,"1_"],"network via":[2.607,"4_"],"neural":[2.047,"0E3_1_"],"neural network":[1.742,"3_1_"],"neurip":[2.269,"1_"]});
